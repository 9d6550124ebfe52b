// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the part
// between the first `{` and the next `}`, when not empty), modulo 16384. The stream poller sends
// each stream's commands to the master that holds its slot, since ioredis cannot route XINFO
// (its key is not the first argument) and would otherwise pay a MOVED redirection.

const crc16Table = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

export const redisClusterSlots = 16384;

export function redisClusterSlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ crc16Table[((crc >> 8) ^ byte) & 0xff];
  return crc % redisClusterSlots;
}

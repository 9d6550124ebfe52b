// Fixture for the vscode-tier tests: start() drops the interval's handle, so stop() cannot clear it
// (uncleared-interval).
export class Heartbeat {
  private beats = 0;

  start(): void {
    setInterval(() => {
      this.beats++;
    }, 1000);
  }

  stop(): void {
    this.beats = 0;
  }
}

// A stand-in for the `pg` package, for `npm run demo` only: the demo runs src/worker.ts as it is,
// and the worker's audit trail (src/audit.ts -> src/db.ts) imports pg, which the demo does not
// install and has no Postgres for. `npm run demo` puts this folder on NODE_PATH, so `require('pg')`
// finds it when no real pg is installed. Its Pool answers every query with no rows and stores nothing.
'use strict';

class Pool {
  constructor(options) {
    this.options = options;
  }

  async query() {
    return { rows: [], rowCount: 0 };
  }

  async end() {}
}

module.exports = { Pool };

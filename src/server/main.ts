// Language server entry point. `--node-ipc` when the extension starts it, `--stdio` for tests and
// other editors: createConnection reads the transport from the command line.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { describeError } from './serverLog';

const connection = createConnection(ProposedFeatures.all);
// A stray rejection is a bug to log, not a reason to take every open file's diagnostics down.
process.on('unhandledRejection', (reason) => connection.console.error(`Unhandled rejection in the Bounded language server: ${describeError(reason)}`));
startServer(connection);

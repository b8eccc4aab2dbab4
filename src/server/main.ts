/**
 * Entry point of the language-server process (dist/server.js). The transport (IPC, stdio or a socket)
 * comes from the command line that started it, as vscode-languageserver expects.
 */
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));

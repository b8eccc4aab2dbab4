// extensionTestsPath entry of the extension-host suite, for both runners (code-server via
// driver/main.ts, desktop VS Code via driver/electron.ts): mocha over exthost/*.test.js.
import { runExtensionHostSuites } from './mochaRunner';

export function run(): Promise<void> {
  return runExtensionHostSuites(__dirname);
}

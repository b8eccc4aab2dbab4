// extensionTestsPath entry of the infrastructure self-test (fixture extension).
import { runExtensionHostSuites } from '../../exthost/mochaRunner';

export function run(): Promise<void> {
  return runExtensionHostSuites(__dirname);
}

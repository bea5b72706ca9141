// The interpreter the Python extension (ms-python.python) has selected, for a
// PyTorch script when the neuralDebugger.python setting names none. Guarded:
// the extension may be missing, inactive, or of another API version.

import * as vscode from 'vscode';

interface PythonEnvironmentsApi {
  environments?: {
    getActiveEnvironmentPath?: (resource?: vscode.Uri) => { path?: string } | undefined;
  };
}

/** The selected interpreter's path, or undefined (no Python extension, or it has none). */
export async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonEnvironmentsApi>('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const found = api?.environments?.getActiveEnvironmentPath?.(resource)?.path;
    return typeof found === 'string' && found !== '' ? found : undefined;
  } catch {
    return undefined; // an API change or an activation failure: fall back to the setting's default
  }
}

import { writeFile } from 'node:fs/promises';

/** Writes a kubeconfig for one client-certificate user (JSON, which every kubeconfig reader accepts). */
export async function writeKubeconfig(path: string, server: string, caFile: string, user: { name: string; cert: string; key: string }): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user.name, user: { 'client-certificate': user.cert, 'client-key': user.key } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: user.name, namespace: 'default' } }],
    'current-context': 'local',
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return path;
}

/** Writes a kubeconfig that authenticates with a bearer token (e.g. a ServiceAccount's). */
export async function writeTokenKubeconfig(path: string, server: string, caFile: string, name: string, token: string): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name, user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: name, namespace: 'default' } }],
    'current-context': 'local',
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return path;
}

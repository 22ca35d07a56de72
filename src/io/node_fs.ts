/**
 * Node's fs, path and crypto, loaded on first use. The browser bundle replaces this module with
 * node_fs.browser.ts, so that bundlers never see a Node import.
 */
export async function nodeModules() {
  const [fs, path, crypto] = await Promise.all([import('fs'), import('path'), import('crypto')]);
  return {
    fs: fs.promises,
    path,
    sha256: (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex'),
    randomSuffix: () => crypto.randomBytes(6).toString('hex'),
  };
}

/** What the file-system handler uses of Node; tests substitute a faulty file system. */
export type NodeModules = Awaited<ReturnType<typeof nodeModules>>;

/**
 * Node's fs and path, loaded on first use. The browser bundle replaces this module with
 * node_fs.browser.ts, so that bundlers never see a Node import.
 */
export async function nodeModules() {
  const [fs, path] = await Promise.all([import('fs'), import('path')]);
  return {fs: fs.promises, path};
}

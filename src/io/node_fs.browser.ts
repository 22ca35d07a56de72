/**
 * Browser stand-in for node_fs.ts: the file-system handler needs Node.
 */
export async function nodeModules(): Promise<never> {
  throw new Error(
    'fileSystemHandler: needs Node (fs); in a browser save with tf.io.browserDownloads or indexeddb://, and load with tf.loadLayersModel(url)',
  );
}

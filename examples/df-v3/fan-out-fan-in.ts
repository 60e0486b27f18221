/**
 * Fan-out/fan-in, the Durable Functions JavaScript v3 sample ("Backup site content"): list the files of a folder,
 * copy each in parallel to a backup folder, and sum the bytes copied. Only the import is changed.
 */
import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import * as df from "taskhub/durable-functions";

/** The orchestration's input: the folder to back up and where to. */
export interface BackupRequest {
  readonly source: string;
  readonly target: string;
}

df.app.orchestration("BackupSiteContent", function* (context) {
  const request = context.df.getInput<BackupRequest>();
  if (!request?.source || !request.target) throw new Error("A source and a target folder are required.");

  const files: string[] = yield context.df.callActivity("GetFileList", request.source);

  // Backup the files in parallel.
  const tasks = files.map((file) =>
    context.df.callActivity("CopyFileToBackup", { file, target: request.target }),
  );
  const results: number[] = yield context.df.Task.all(tasks);

  const totalBytes = results.reduce((sum, bytes) => sum + bytes, 0);
  return { files: files.length, totalBytes };
});

df.app.activity("GetFileList", {
  handler: async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(folder, e.name));
  },
});

df.app.activity("CopyFileToBackup", {
  handler: async ({ file, target }: { file: string; target: string }, context) => {
    await mkdir(target, { recursive: true });
    await copyFile(file, join(target, basename(file)));
    context.log(`Copied ${file}`);
    return (await stat(file)).size;
  },
});

// After `--batch -r FILE --web` has read its file, the web dashboard keeps serving the run's final
// numbers until the user interrupts (Ctrl-C, SIGTERM), instead of vanishing right after its URL was printed.

/**
 * Says that `file` was read to its end and the dashboard stays at `url`, then resolves with the signal
 * that ended the wait. Both handlers are removed again, so the caller's own shutdown works as before.
 */
export function serveUntilInterrupted(file: string, url: string, say: (line: string) => void): Promise<NodeJS.Signals> {
  say(`netguard: ${file === '-' ? 'standard input' : file} read to its end; the web dashboard keeps serving the results at ${url} until Ctrl-C`);
  return new Promise((resolve) => {
    const done = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

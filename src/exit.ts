/**
 * Ends the process with the code `main` resolves to. Explicit: keep-alive sockets and a paused
 * stdin must not hold the process open once the work is done.
 */
export function exitWhenDone(main: Promise<number>, name: string): void {
  main.then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${String(error)}\n`);
      process.exit(1);
    },
  );
}

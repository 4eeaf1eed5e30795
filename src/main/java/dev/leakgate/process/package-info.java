/**
 * Running a program under valgrind (or natively) and keeping what it left: the command leakgate
 * builds ({@link dev.leakgate.process.MemcheckCommand}), a running program
 * ({@link dev.leakgate.process.MemcheckProcess}) on this machine
 * ({@link dev.leakgate.process.LocalMemcheckRunner}), the run's files, identity and stdin, ending it in
 * steps, the processes it started and left behind, its memory sampled while it runs, and the finished
 * run ({@link dev.leakgate.process.MemcheckRun}) with every reason it cannot be trusted. Runs on a board
 * are made by the board package through the same types.
 *
 * <p>Audience: boards, the session core and the adapters; {@link dev.leakgate.process.Console} is the one
 * place library code writes to the console.
 */
package dev.leakgate.process;

/**
 * Where programs run: the {@link dev.leakgate.board.Board} interface and its kinds (this machine, a board
 * over SSH, the emulated boards in containers), with their separate channels for commands, files
 * (SFTP, scp or a checked stream), TCP forwards and the UDP relay; deployment, preflight checks, the
 * valgrind leakgate brings to a board without one, pools, the reaper of what a killed JVM left, and
 * the settings that choose a board.
 *
 * <p>Audience: the session core and the adapters; a test author names a board only by a setting
 * ({@code leakgate.board}). A new kind of board is a new class behind {@code Board}.
 */
package dev.leakgate.board;

/**
 * Where programs run: the {@link dev.leakgate.board.Board} interface and its kinds (this machine, a board
 * over SSH, the emulated boards in containers), over the connection and channels of
 * {@code board.ssh} and the containers of {@code board.emulated}; running valgrind on a board, TCP
 * forwards and the UDP relay, deployment, preflight checks, the valgrind leakgate brings to a board
 * without one, pools, and the reaper of what a killed JVM left.
 *
 * <p>Audience: the session core and the adapters; a test author names a board only by a setting
 * ({@code leakgate.board}). A new kind of board is a new class behind {@code Board}.
 */
package dev.leakgate.board;

/**
 * The emulated boards: a QEMU board image started in a container through Testcontainers
 * ({@link dev.leakgate.board.emulated.EmulatedBoard}, reached over SSH with a key made for it) and the
 * Docker engine it needs ({@link dev.leakgate.board.emulated.DockerEngine}: found, asked, and named in
 * words when it does not answer).
 *
 * <p>Audience: {@code dev.leakgate.board}, which opens an emulated board when the settings ask for one.
 */
package dev.leakgate.board.emulated;

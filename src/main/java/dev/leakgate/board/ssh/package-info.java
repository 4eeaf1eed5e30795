/**
 * One SSH connection to a board and its channels: commands ({@link dev.leakgate.board.ssh.SshBoard}:
 * exec channels, remote processes ended with their group, TCP forwards, a connection made anew when a
 * server drops it) and files (SFTP, scp or a checked stream, content-addressed placement), with host
 * keys always verified ({@link dev.leakgate.board.ssh.SshTarget}).
 *
 * <p>Audience: the board kinds in {@code dev.leakgate.board}; nothing here knows valgrind.
 */
package dev.leakgate.board.ssh;


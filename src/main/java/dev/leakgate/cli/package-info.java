/**
 * The command line tool ({@code java -jar leakgate-cli.jar check|run|kit}): the second adapter over the
 * session core, for CI written in shell, CTest or Python, with documented exit statuses.
 *
 * <p>Audience: users of the jar from a shell; nothing here is an API.
 */
package dev.leakgate.cli;

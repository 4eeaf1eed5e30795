/**
 * The JUnit Jupiter adapter: {@link dev.leakgate.junit.ValgrindOnBoard} and the parameters a test body
 * gets ({@link dev.leakgate.junit.Harness} for a kit harness, {@link dev.leakgate.junit.Daemon} for a live
 * daemon). The extension behind them is a thin layer over the session core: it checks the annotation,
 * deploys, starts, stops and judges, and writes the report and the progress lines.
 *
 * <p>Audience: test authors. Only the annotation, {@code Harness} and {@code Daemon} are theirs; the
 * rest of the package is the extension's own.
 */
package dev.leakgate.junit;

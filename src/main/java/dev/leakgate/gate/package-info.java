/**
 * Judging: the gate that turns a run into a verdict ({@link dev.leakgate.gate.LeakGate}: limits per leak
 * kind, memcheck error kinds, known leaks from a baseline), the verdict with its outcome (PASS, FAIL,
 * INCONCLUSIVE) and its failure text with the stacks, and the growth gate over a soak's heap series.
 *
 * <p>Audience: the session core, the adapters and tools built on the core; a test author sets limits
 * on {@code @ValgrindOnBoard} and reads verdicts in failure messages.
 */
package dev.leakgate.gate;

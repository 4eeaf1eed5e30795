/**
 * The line protocol of the C harness kit ({@code leakgate_harness.h}): the reply token, the requests, and
 * the checked replies a kit harness gives for each scenario.
 *
 * <p>Audience: the session core; a test author meets the protocol only through
 * {@link dev.leakgate.junit.Harness} and the scenario results it returns.
 */
package dev.leakgate.kit;

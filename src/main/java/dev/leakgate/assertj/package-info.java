/**
 * AssertJ assertions on memcheck reports, kit scenario results and a daemon's leak checks
 * ({@link dev.leakgate.assertj.LeakgateAssertions#assertThat}).
 *
 * <p>Audience: test authors, in test bodies.
 */
package dev.leakgate.assertj;

/**
 * Settings: every {@code leakgate.*} key read one way (system property, then environment variable,
 * then {@code leakgate.properties}), with the source of each value named in errors.
 *
 * <p>Audience: boards, the session core and the adapters; users set keys, not classes.
 */
package dev.leakgate.config;

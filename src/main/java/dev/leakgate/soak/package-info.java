/**
 * The growth gate: a series of heap measurements taken while a scenario repeats, and the verdict on
 * whether memory keeps growing when nothing is lost outright.
 *
 * <p>Audience: the session core and the extension's soak tests.
 */
package dev.leakgate.soak;

/**
 * The credential-free demo: a stub LLM API on loopback and a simulated app whose agent loop runs
 * away, stopped by the guard ({@link dev.runaway.examples.monitor.demo.Demo}).
 */
package dev.runaway.examples.monitor.demo;

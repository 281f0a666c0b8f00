/** Example: guarded OpenAI and Anthropic streams. */
package dev.runaway.examples.streams;

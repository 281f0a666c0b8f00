/**
 * The official OpenAI Java SDK behind the guard: {@link dev.runaway.examples.openai.GuardedChat}
 * wraps {@code client.chat().completions().create(...)} in {@code guard.call}, each tenant with a
 * budget of its own, and prices every reply from its token usage with {@code OpenAiCosts}.
 */
package dev.runaway.examples.openai;

/**
 * One token price table format for every LLM provider ({@link dev.runaway.providers.llm.TokenPrices})
 * and a provider-neutral usage record ({@link dev.runaway.providers.llm.LlmUsage}).
 */
package dev.runaway.providers.llm;

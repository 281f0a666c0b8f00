/** Pricing of Anthropic Messages API calls: {@link dev.runaway.providers.anthropic.AnthropicCosts}. */
package dev.runaway.providers.anthropic;

/** Pricing of Amazon Bedrock Converse calls: {@link dev.runaway.providers.bedrock.BedrockCosts}. */
package dev.runaway.providers.bedrock;

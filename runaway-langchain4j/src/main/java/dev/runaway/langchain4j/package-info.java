/**
 * LangChain4j integration: {@link dev.runaway.langchain4j.GuardedChatModel} and
 * {@link dev.runaway.langchain4j.GuardedStreamingChatModel}.
 */
package dev.runaway.langchain4j;

/** Example: per-user budgets for a LangChain4j AI service. */
package dev.runaway.examples.langchain4j;

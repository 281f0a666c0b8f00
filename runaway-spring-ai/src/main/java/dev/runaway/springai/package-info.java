/** Spring AI integration: {@link dev.runaway.springai.RunawayGuardAdvisor}. */
package dev.runaway.springai;

/**
 * GitHub Actions: billed minutes and dollars from the enhanced billing platform, and runaway
 * workflow loops from the workflow runs of configured repositories
 * ({@link dev.runaway.providers.github.GitHubActionsDetectorProvider}, type {@code github_actions}).
 */
package dev.runaway.providers.github;

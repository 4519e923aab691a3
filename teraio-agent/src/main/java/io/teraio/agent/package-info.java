/**
 * teraio agent: the {@code -javaagent} for DJL training jobs.
 * Empty until the agent lands; see {@code ARCHITECTURE.md}.
 */
package io.teraio.agent;

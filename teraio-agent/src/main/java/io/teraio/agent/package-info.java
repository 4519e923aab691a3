/**
 * teraio agent: the {@code -javaagent} for DJL training jobs.
 *
 * <p>{@code java -javaagent:teraio-agent.jar=mode=auto,dirs=/nvme0:/nvme1,deviceMemory=8g -jar train.jar}.
 * {@link io.teraio.agent.TeraioAgent} is the entry point, {@link io.teraio.agent.AgentOptions}
 * its arguments, {@link io.teraio.core.session.AgentStats} what it reports at exit. The hooks and the
 * runtime are in {@code io.teraio.agent.internal}, which is not API. See {@code docs/agent.md}.
 */
package io.teraio.agent;

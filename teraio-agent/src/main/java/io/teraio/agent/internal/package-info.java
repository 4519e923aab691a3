/**
 * The agent's machinery, not API: the ByteBuddy hooks into DJL ({@link io.teraio.agent.internal.Hooks},
 * the advice classes), the static {@link io.teraio.agent.internal.Dispatch} the advice calls, the
 * {@link io.teraio.agent.internal.AgentRuntime} that counts ops, records the trace, plans and applies
 * the plan, and {@link io.teraio.agent.internal.DjlArrays}, the only class that touches DJL types.
 */
package io.teraio.agent.internal;

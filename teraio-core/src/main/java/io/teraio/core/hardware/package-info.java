/** The hardware a plan is made for: devices, SSDs, host memory ({@code hardware.json}). */
package io.teraio.core.hardware;

/** Reading and writing the small JSON documents of teraio (plans, hardware profiles). */
package io.teraio.core.json;

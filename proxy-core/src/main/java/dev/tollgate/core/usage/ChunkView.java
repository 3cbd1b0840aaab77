package dev.tollgate.core.usage;

import java.util.Optional;

/**
 * What the proxy needs from one streamed {@code chat.completion.chunk}.
 *
 * @param usage        the chunk's {@code usage}, when it carries one
 * @param contentDelta the concatenated {@code choices[*].delta.content} text, "" when none; counted
 *                     to estimate completion tokens if the stream breaks before its usage chunk
 * @param usageOnly    true for the final usage chunk of {@code stream_options.include_usage}: a usage
 *                     and no choices (empty, null or missing)
 */
public record ChunkView(Optional<Usage> usage, String contentDelta, boolean usageOnly) {}

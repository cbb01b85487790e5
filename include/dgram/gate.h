// SPDX-License-Identifier: MIT
// gate - deprecated since 0.2: include dgram/embedding.h.
//
// Gate moved to dgram/embedding.h, the header for embedders and tests. This
// forwarding header keeps code that includes it compiling for one more
// release and will then be removed.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include "dgram/embedding.h"

#endif  // C++20

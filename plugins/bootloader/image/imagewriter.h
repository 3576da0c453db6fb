// Writes an Image as Intel HEX or S-record text: for the ECU simulator's
// and the demo's test images, and for the fuzz targets' round trip. The
// output is what the parsers accept: 32 data bytes per record, addresses
// extended as needed, the start address when the image has one.
#pragma once

#include "image.h"

namespace conduit::bootloader::image {

// Type 04 records (linear) for addresses past 64 KiB; a start address
// becomes type 05 or 03 by its kind.
std::string writeIntelHex(const Image &image);
// S1, S2 or S3 by the highest address, an S5/S6 count, and the matching
// S9/S8/S7 (start address 0 when the image has none). The S0 header carries
// image.header.
std::string writeSRecord(const Image &image);

} // namespace conduit::bootloader::image

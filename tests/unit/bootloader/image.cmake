# The bootloader agent's image formats (raw, Intel HEX, S-record).
conduit_qt_test(bootloader image LIBS conduit_bl_image)

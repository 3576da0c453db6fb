# The ISO-TP link without CAN: configuration checks, kernel errors named.
conduit_qt_test(bootloader isotplink LIBS conduit_bl_isotp)

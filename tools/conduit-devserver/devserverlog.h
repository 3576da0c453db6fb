// Logging category of the dev server: QT_LOGGING_RULES="conduit.devserver.debug=true".
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcDevServer)

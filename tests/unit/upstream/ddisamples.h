// Sample DDI documents for tst_ddimodel (kept out of the moc-parsed file:
// moc does not tokenise raw string literals).
#pragma once

#include "upstream/ddimodel.h"

#include <QByteArray>
#include <QUrl>

using namespace conduit::upstream::ddi;

namespace {
const QUrl kServer(QStringLiteral("https://hawkbit.example:8443/DEFAULT/controller/v1/vin-1"));

QByteArray deployment(const QByteArray &artifacts = {}) {
    const QByteArray art = artifacts.isEmpty()
                               ? QByteArray(R"([{"filename":"brake-2.0.img","hashes":{"sha1":"aa","md5":"bb",
        "sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"size":4,
        "_links":{"download":{"href":"https://hawkbit.example:8443/DEFAULT/controller/v1/vin-1/softwaremodules/7/artifacts/brake-2.0.img"},
                  "download-http":{"href":"http://hawkbit.example:8080/DEFAULT/controller/v1/vin-1/softwaremodules/7/artifacts/brake-2.0.img"}}}])")
                               : artifacts;
    return R"({"id":"42","deployment":{"download":"forced","update":"attempt","maintenanceWindow":"unavailable",
        "chunks":[{"part":"brake-ecu","version":"2.0","name":"brake","metadata":[{"key":"ecu","value":"ecu-1"}],"artifacts":)" +
           art + R"(}]},"actionHistory":{"status":"RUNNING","messages":["queued"]}})";
}
inline const char *const kSample0 = R"({"config":{"polling":{"sleep":"00:01:30"}},"_links":{
            "deploymentBase":{"href":"https://hawkbit.example:8443/DEFAULT/controller/v1/vin-1/deploymentBase/42?c=-2129030598"},
            "configData":{"href":"https://hawkbit.example:8443/DEFAULT/controller/v1/vin-1/configData"}}})";
inline const char *const kSample1 = R"({"config":{"polling":{"sleep":"soon"}}})";
inline const char *const kSample2 = R"({"deployment":{}})";
inline const char *const kSample3 = R"({"id":"1","deployment":{"download":"maybe","update":"forced","chunks":[]}})";
inline const char *const kSample4 = R"({"id":"1","deployment":{"download":"forced","update":"forced","chunks":[]}})";
inline const char *const kSample5 =
    R"([{"filename":"../etc/passwd","size":1,"hashes":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"_links":{"download":{"href":"https://x/a"}}}])";
inline const char *const kSample6 =
    R"([{"filename":"a","size":1,"hashes":{"md5":"x"},"_links":{"download":{"href":"https://x/a"}}}])";
inline const char *const kSample7 =
    R"([{"filename":"a","size":-5,"hashes":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"_links":{"download":{"href":"https://x/a"}}}])";
inline const char *const kSample8 =
    R"([{"filename":"a","size":1,"hashes":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"_links":{"download":{"href":"file:///etc/shadow"}}}])";
inline const char *const kSample9 = R"({"id":"11","cancelAction":{"stopId":"42"}})";
inline const char *const kSample10 = R"({"id":"11"})";
inline const char *const kSample11 =
    R"({"status":{"details":["installing phase 1"],"execution":"proceeding","result":{"finished":"none","progress":{"cnt":2,"of":5}}}})";
inline const char *const kSample12 = R"({"confirmation":"denied","details":[]})";
inline const char *const kSample13 = R"({"data":{"VIN":"W0L000051T2123456"},"mode":"merge"})";
} // namespace

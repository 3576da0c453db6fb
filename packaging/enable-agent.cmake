# A shipped agent's manifest for /etc/conduit/agents.d: the built manifest
# with its library as an absolute path into the installed agent directory
# (a manifest's relative library is relative to the manifest's own dir).
# cmake -DIN=built.json -DOUT=enabled.json -DAGENT_DIR=/usr/lib/conduit/agents -P enable-agent.cmake
file(READ "${IN}" manifest)
string(JSON library GET "${manifest}" library)
string(JSON manifest SET "${manifest}" library "\"${AGENT_DIR}/${library}\"")
file(WRITE "${OUT}" "${manifest}\n")

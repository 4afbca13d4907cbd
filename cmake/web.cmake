# The web app (web/): `npm ci` when package-lock.json changes (a stamp file), `vite build`
# when a source changes, and the result compiled into the binary as ${WEB_BUNDLE_CPP}
# (gd::web_bundle::files()). GOODDEEDS_WEB=OFF (quick C++ iterations, the asan and fuzz
# presets) embeds no files: the binary then serves a page saying so, or --web-dir.
set(WEB_BUNDLE_CPP ${CMAKE_BINARY_DIR}/web_bundle.cpp)
set(WEB_EMBED ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/embed.py --namespace gd::web_bundle)
if(GOODDEEDS_WEB)
  find_program(NPM_EXECUTABLE npm REQUIRED)
  set(WEB_SRC ${CMAKE_SOURCE_DIR}/web)
  set(WEB_DIST ${CMAKE_BINARY_DIR}/web-dist)
  set(WEB_NPM_STAMP ${CMAKE_BINARY_DIR}/web-npm-ci.stamp)
  add_custom_command(
    OUTPUT ${WEB_NPM_STAMP}
    COMMAND ${NPM_EXECUTABLE} ci --no-audit --no-fund --prefer-offline --loglevel=error
    COMMAND ${CMAKE_COMMAND} -E touch ${WEB_NPM_STAMP}
    DEPENDS ${WEB_SRC}/package-lock.json ${WEB_SRC}/package.json
    WORKING_DIRECTORY ${WEB_SRC}
    COMMENT "web: npm ci")
  file(GLOB_RECURSE WEB_INPUTS CONFIGURE_DEPENDS ${WEB_SRC}/src/* ${WEB_SRC}/public/*)
  list(APPEND WEB_INPUTS ${WEB_SRC}/index.html ${WEB_SRC}/vite.config.ts ${WEB_SRC}/tsconfig.json)
  add_custom_command(
    OUTPUT ${WEB_BUNDLE_CPP}
    COMMAND ${NPM_EXECUTABLE} run --silent build -- --outDir ${WEB_DIST} --emptyOutDir --logLevel warn
    COMMAND ${WEB_EMBED} --dir ${WEB_DIST} ${WEB_BUNDLE_CPP} ${WEB_DIST} ${CMAKE_BINARY_DIR}
    DEPENDS ${WEB_NPM_STAMP} ${WEB_INPUTS} ${CMAKE_SOURCE_DIR}/cmake/embed.py
    WORKING_DIRECTORY ${WEB_SRC}
    COMMENT "web: vite build, embedding web-dist")
else()
  add_custom_command(
    OUTPUT ${WEB_BUNDLE_CPP}
    COMMAND ${WEB_EMBED} ${WEB_BUNDLE_CPP} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}
    DEPENDS ${CMAKE_SOURCE_DIR}/cmake/embed.py
    COMMENT "web: GOODDEEDS_WEB=OFF, no web app embedded")
endif()

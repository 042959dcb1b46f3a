# Cross-compiling hawatch for 64-bit Raspberry Pi OS / Debian arm64 with Debian's cross toolchain
# (crossbuild-essential-arm64). The arm64 libraries come from one of:
#   - a sysroot of unpacked arm64 packages: -DHAWATCH_ARM64_SYSROOT=DIR (scripts/arm64.sh
#     makes one; nothing is installed on the build host), or
#   - Debian multiarch: dpkg --add-architecture arm64 and the -dev:arm64 packages installed in /.
#     On Debian 12 that removes the amd64 -dev packages of Poco, prometheus-cpp, yaml-cpp, libpq
#     and MariaDB (they are not Multi-Arch: same), so it only suits a machine kept for cross builds.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# The Debian package architecture (packaging/CMakeLists.txt; dpkg on the build host says amd64).
set(HAWATCH_DEB_ARCHITECTURE arm64)

# Try-compile projects see these too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HAWATCH_ARM64_SYSROOT)
if(HAWATCH_ARM64_SYSROOT)
  set(sysroot ${HAWATCH_ARM64_SYSROOT})
  # Not CMAKE_SYSROOT: the cross compiler keeps its own libc and libstdc++ headers
  # (libc6-dev-arm64-cross, the same glibc as Debian's arm64 libc6); the sysroot adds the
  # libraries and their headers, searched like a multiarch root.
  # The cross toolchain's own root (libc, libdl, libpthread headers and libraries) comes second.
  set(CMAKE_FIND_ROOT_PATH ${sysroot} /usr/aarch64-linux-gnu)
  foreach(lang C CXX)
    set(CMAKE_${lang}_STANDARD_INCLUDE_DIRECTORIES
      ${sysroot}/usr/include/aarch64-linux-gnu ${sysroot}/usr/include)
  endforeach()
  set(link_dirs "-L${sysroot}/usr/lib/aarch64-linux-gnu -L${sysroot}/lib/aarch64-linux-gnu")
  set(rpath_link "-Wl,-rpath-link,${sysroot}/usr/lib/aarch64-linux-gnu:${sysroot}/lib/aarch64-linux-gnu")
  foreach(kind EXE SHARED MODULE)
    set(CMAKE_${kind}_LINKER_FLAGS_INIT "${link_dirs} ${rpath_link}")
  endforeach()
  set(ENV{PKG_CONFIG_LIBDIR} "${sysroot}/usr/lib/aarch64-linux-gnu/pkgconfig:${sysroot}/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${sysroot})
  set(ENV{PKG_CONFIG_PATH} "")
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${sysroot})
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
else()
  # Multiarch: CMAKE_LIBRARY_ARCHITECTURE already points find_* at /usr/lib/aarch64-linux-gnu.
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /usr/aarch64-linux-gnu)
endif()

{
  "targets": [
    {
      "target_name": "nodegrad",
      "sources": ["<!@(node scripts/list-sources.js)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags": ["-O3", "-fopenmp", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions", "-frtti", "-fno-math-errno", "-fno-trapping-math"],
      "ldflags": ["-fopenmp"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-march=x86-64-v2"],
          "cflags_cc": ["-march=x86-64-v2"]
        }]
      ],
      "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES" }
    }
  ]
}

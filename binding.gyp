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
    },
    {
      "target_name": "nodegrad_cuda",
      "variables": { "nodegrad_cuda%": "<!(node -p \"process.env.NODEGRAD_CUDA === '1' ? 1 : 0\")" },
      "conditions": [
        ["nodegrad_cuda==1", {
          "sources": ["<!@(node scripts/list-sources.js --cuda)", "<!@(node scripts/list-sources.js --cuda-cu)"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native", "<!(node scripts/cuda-config.js --include)"],
          "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
            "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "NG_DEVICE_ARGS"],
          "cflags!": ["-fno-exceptions", "-fno-rtti"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
          "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti"],
          "libraries": ["<!(node scripts/cuda-config.js --lib)/libcudart_static.a", "-ldl", "-lpthread", "-lrt"],
          "rules": [{
            "rule_name": "nvcc",
            "extension": "cu",
            "inputs": ["native/cuda/common.cuh", "native/cuda/kernels.h", "native/cuda/runtime.h"],
            "outputs": ["<(INTERMEDIATE_DIR)/cuda/<(RULE_INPUT_ROOT).o"],
            "action": ["<!(node scripts/cuda-config.js --nvcc)", "-std=c++17", "-O3", "-Xcompiler", "-fPIC",
              "-Inative", "<!@(node scripts/cuda-config.js --gencode)", "-c", "<(RULE_INPUT_PATH)", "-o", "<@(_outputs)"],
            "message": "nvcc <(RULE_INPUT_PATH)",
            "process_outputs_as_sources": 1
          }]
        }, {
          "type": "none"
        }]
      ]
    },
    {
      "target_name": "nodegrad_mpi",
      "variables": { "nodegrad_mpi%": "<!(node -p \"process.env.NODEGRAD_MPI === '1' ? 1 : 0\")" },
      "conditions": [
        ["nodegrad_mpi==1", {
          "sources": ["native/dist/mpi.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(mpicc --showme:incdirs)"],
          "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
            "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "OMPI_SKIP_MPICXX=1"],
          "cflags!": ["-fno-exceptions", "-fno-rtti"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
          "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti"],
          "libraries": ["<!@(mpicc --showme:link)"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}

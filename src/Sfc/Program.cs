return Sfc.SfcApp.Run(args);

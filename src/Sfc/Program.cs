Console.WriteLine("sfc");
